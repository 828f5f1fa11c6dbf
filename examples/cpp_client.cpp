// wps_client driven from a C++ class (C++11 and later). No network: main() plays the service
// with scripted frames. Built and run by `make test`; tests/packaging.sh also compiles it with
// g++ and clang++ as C++11, 14, 17 and 20 under -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror.
//
// PubSubClient owns the client's memory and the last received frame, turns host inputs into
// wps_client_* calls and hands every polled action to a virtual handler. A real host overrides
// the handlers with its WebSocket library's calls (README.md, "Porting").
#define WPS_IMPLEMENTATION
#include "../wps.h"

#include <chrono>
#include <cstdint>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

class PubSubClient {
public:
    explicit PubSubClient(const wps_client_config &config = wps_client_config_default()) : client_(nullptr) {
        const std::size_t size = wps_client_memory_size(&config);
        if (size == 0) throw std::invalid_argument("wps_client_config is invalid");
        memory_.resize((size + sizeof(std::uint64_t) - 1) / sizeof(std::uint64_t)); // 8-byte aligned
        wps_diag diag;
        const wps_status st = wps_client_init(&client_, &config, memory_.data(), size, &diag);
        if (st != WPS_OK) throw std::runtime_error(std::string("wps_client_init: ") + diag.reason);
    }
    virtual ~PubSubClient() {}
    // client_ points into memory_: no copies
    PubSubClient(const PubSubClient &) = delete;
    PubSubClient &operator=(const PubSubClient &) = delete;

    // ---- host inputs; call poll() after them to run the resulting actions
    wps_status start() { return wps_client_start(client_, now_ms()); }
    wps_status stop() { return wps_client_stop(client_, now_ms()); }
    wps_status set_url(const std::string &url) { return wps_client_set_url(client_, now_ms(), url.data(), url.size()); }
    wps_status on_open() { return wps_client_on_open(client_, now_ms()); }
    wps_status on_open_failed(std::uint16_t code) { return wps_client_on_open_failed(client_, now_ms(), code); }
    wps_status on_close(std::uint16_t code, const std::string &reason = std::string()) {
        return wps_client_on_close(client_, now_ms(), code, reason.data(), reason.size());
    }
    // Actions about a frame point into it, so the frame is kept here until the next one; the
    // actions still queued about the previous frame are run first. Writable: a message larger
    // than max_frame_size is decoded in place.
    wps_status on_frame(const std::string &frame, bool is_text = true) {
        poll();
        rx_.assign(frame.begin(), frame.end());
        return wps_client_on_frame_writable(client_, now_ms(), rx_.empty() ? nullptr : &rx_[0], rx_.size(), is_text);
    }
    wps_status tick() { return wps_client_tick(client_, now_ms()); }
    std::uint64_t next_deadline() const { return wps_client_next_deadline(client_); }
    wps_client_state state() const { return wps_client_get_state(client_); }

    // ---- calls: *id gets the call id that on_complete reports
    wps_status join_group(const std::string &group, wps_call_id *id) {
        wps_diag diag;
        return wps_client_join_group(client_, now_ms(), slice(group), nullptr, id, &diag);
    }
    wps_status send_to_group(const std::string &group, const std::string &text, wps_call_id *id) {
        wps_diag diag;
        return wps_client_send_to_group(client_, now_ms(), slice(group), WPS_DATA_TEXT, slice(text), nullptr, id, &diag);
    }

    // Takes every queued action and dispatches it; returns how many.
    int poll() {
        int n = 0;
        wps_action a;
        while (wps_client_poll(client_, &a)) {
            ++n;
            switch (a.kind) {
            case WPS_ACTION_NEED_URL: on_need_url(); break;
            case WPS_ACTION_OPEN: on_open_socket(str(a.url), a.subprotocol); break;
            case WPS_ACTION_SEND: on_send(str(a.frame), a.is_text); break;
            case WPS_ACTION_CLOSE: on_close_socket(a.close_code, str(a.close_reason)); break;
            case WPS_ACTION_EVENT: dispatch_event(a); break;
            case WPS_ACTION_COMPLETE: on_complete(a.call, a.call_kind, a.status, a); break;
            case WPS_ACTION_NONE: break;
            }
        }
        return n;
    }

    static std::string str(wps_slice s) { return s.ptr ? std::string(s.ptr, s.len) : std::string(); }

protected:
    // The clock every input is stamped with (monotonic milliseconds).
    virtual std::uint64_t now_ms() {
        return static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
    }
    // the socket: what the host must do
    virtual void on_need_url() = 0;                                                  // then set_url()
    virtual void on_open_socket(const std::string &url, const char *subprotocol) = 0; // then on_open()
    virtual void on_send(const std::string &frame, bool is_text) = 0;
    virtual void on_close_socket(std::uint16_t code, const std::string &reason) = 0; // then on_close()
    // what the application sees
    virtual void on_connected(const std::string &connection_id, const std::string &user_id) {
        (void)connection_id;
        (void)user_id;
    }
    virtual void on_group_message(const std::string &group, const std::string &from_user_id, const std::string &data) {
        (void)group;
        (void)from_user_id;
        (void)data;
    }
    virtual void on_stopped() {}
    virtual void on_other_event(const wps_action &a) { (void)a; } // disconnected, recovering, ...
    virtual void on_complete(wps_call_id id, wps_call_kind kind, wps_status status, const wps_action &a) {
        (void)id;
        (void)kind;
        (void)status;
        (void)a;
    }

private:
    static wps_slice slice(const std::string &s) { return wps_slice_make(s.data(), s.size()); }

    void dispatch_event(const wps_action &a) {
        switch (a.event) {
        case WPS_EVENT_CONNECTED: on_connected(str(a.connection_id), str(a.user_id)); break;
        case WPS_EVENT_GROUP_MESSAGE:
            on_group_message(str(a.message->group), str(a.message->from_user_id), str(a.message->data));
            break;
        case WPS_EVENT_STOPPED: on_stopped(); break;
        default: on_other_event(a); break;
        }
    }

    std::vector<std::uint64_t> memory_;
    wps_client *client_;
    std::string rx_;
};

// ---- a scripted host: a fake clock and a fake socket that records what the client asks for
class ScriptedClient : public PubSubClient {
public:
    std::uint64_t clock = 1000;
    std::vector<std::string> log; // what happened, in order
    std::vector<std::string> sent;

protected:
    std::uint64_t now_ms() override { return clock; }
    void on_need_url() override {
        log.push_back("need-url");
        std::cout << "need-url\n";
        set_url("wss://example.webpubsub.azure.com/client/hubs/chat?access_token=t"); // from your token service
    }
    void on_open_socket(const std::string &url, const char *subprotocol) override {
        log.push_back("open");
        std::cout << "open " << url << " (" << subprotocol << ")\n";
    }
    void on_send(const std::string &frame, bool is_text) override {
        std::cout << "send " << (is_text ? "text " : "binary ") << frame << "\n";
        sent.push_back(frame);
    }
    void on_close_socket(std::uint16_t code, const std::string &reason) override {
        log.push_back("close");
        std::cout << "close " << code << " " << reason << "\n";
    }
    void on_connected(const std::string &connection_id, const std::string &user_id) override {
        log.push_back("connected");
        std::cout << "event connected: connectionId " << connection_id << ", userId " << user_id << "\n";
    }
    void on_group_message(const std::string &group, const std::string &from_user_id, const std::string &data) override {
        log.push_back("group-message " + data);
        std::cout << "event group-message: " << from_user_id << " in " << group << " says " << data << "\n";
    }
    void on_stopped() override {
        log.push_back("stopped");
        std::cout << "event stopped\n";
    }
    void on_other_event(const wps_action &a) override {
        log.push_back(wps_event_kind_name(a.event));
        std::cout << "event " << wps_event_kind_name(a.event) << "\n";
    }
    void on_complete(wps_call_id id, wps_call_kind kind, wps_status status, const wps_action &a) override {
        log.push_back(std::string("complete ") + wps_call_kind_name(kind) + " " + wps_status_name(status));
        std::cout << "complete call " << id << " (" << wps_call_kind_name(kind) << ", ackId " << a.ack_id
                  << "): " << wps_status_name(status) << "\n";
    }
};

int main() {
    ScriptedClient c;
    wps_call_id join = 0;
    bool ok = true;
    auto check = [&ok](wps_status st, const char *what) {
        if (st != WPS_OK) {
            std::cerr << what << ": " << wps_status_name(st) << "\n";
            ok = false;
        }
    };

    check(c.start(), "start");
    c.poll(); // need-url (answered with set_url at once), then open
    check(c.on_open(), "on_open");
    check(c.on_frame("{\"type\":\"system\",\"event\":\"connected\",\"userId\":\"bob\",\"connectionId\":\"conn-1\","
                     "\"reconnectionToken\":\"tok\"}"),
          "connected frame");
    c.poll();
    check(c.join_group("lobby", &join), "join_group");
    c.poll(); // send {"type":"joinGroup","group":"lobby","ackId":1}
    check(c.on_frame("{\"type\":\"ack\",\"ackId\":1,\"success\":true}"), "ack frame");
    c.poll();
    check(c.on_frame("{\"type\":\"message\",\"from\":\"group\",\"group\":\"lobby\",\"fromUserId\":\"alice\","
                     "\"dataType\":\"text\",\"data\":\"hello\",\"sequenceId\":1}"),
          "message frame");
    c.poll();
    c.clock = c.next_deadline(); // the reliable protocol acknowledges sequence ids once a second
    check(c.tick(), "tick");
    c.poll();
    check(c.stop(), "stop");
    c.poll(); // close
    check(c.on_close(1000), "on_close");
    c.poll(); // stopped

    const std::vector<std::string> expected = {"need-url", "open", "connected", "complete joinGroup WPS_OK",
                                               "group-message hello", "close", "stopped"};
    std::size_t at = 0; // expected events in this order; others may come between them
    for (const std::string &e : c.log)
        if (at < expected.size() && e == expected[at]) ++at;
    if (at < expected.size()) {
        std::cerr << "missing event: " << expected[at] << "\n";
        ok = false;
    }
    const std::vector<std::string> frames = {"{\"type\":\"joinGroup\",\"group\":\"lobby\",\"ackId\":1}",
                                             "{\"type\":\"sequenceAck\",\"sequenceId\":1}"};
    for (const std::string &f : frames) {
        bool found = false;
        for (const std::string &s : c.sent) found = found || s == f;
        if (!found) {
            std::cerr << "not sent: " << f << "\n";
            ok = false;
        }
    }
    if (c.state() != WPS_CLIENT_STOPPED) {
        std::cerr << "not stopped: " << wps_client_state_name(c.state()) << "\n";
        ok = false;
    }
    std::cout << (ok ? "cpp_client: every expected event arrived\n" : "cpp_client: FAILED\n");
    return ok ? 0 : 1;
}
