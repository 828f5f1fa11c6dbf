/* wps_adapter.h: the shape every transport adapter in examples/adapters/ shares.
 *
 * An adapter is one small file that wires one wps_client (wps.h, sans-I/O) to one WebSocket
 * library. Each adapter PREFIX (wps_wslay_, wps_lws_, wps_esp_, ...) defines its own struct and
 * these four functions around it:
 *
 *   typedef struct PREFIX PREFIX;                      one transport around one wps_client
 *   int  PREFIX_init(PREFIX *t, wps_client *c, const wps_adapter_options *o);   no I/O;
 *                                                      0, or -1 for a bad argument
 *   int  PREFIX_poll(PREFIX *t, uint64_t now_ms);      never blocks: advances the connect and
 *                                                      handshake, reads and writes what the
 *                                                      socket allows, feeds the client, runs its
 *                                                      actions, ticks it; 0, or < 0 when the
 *                                                      adapter ran out of memory (the socket
 *                                                      concerned was closed and the client told)
 *   int  PREFIX_send_pending(const PREFIX *t);         bytes queued for the socket
 *   void PREFIX_close(PREFIX *t);                      closes the socket, frees buffers
 *
 * The application makes calls on the wps_client directly (wps_client_start, _join_group,
 * _send_to_group, _stop, ...) and calls PREFIX_poll often (every frame of a game loop, or when
 * the socket is ready); the adapter runs OPEN, SEND and CLOSE itself and hands EVENT and
 * COMPLETE actions (and NEED_URL when no url is configured) to on_action. Pointers in the action
 * are valid during the callback, until it makes a call on the client. on_action may make calls
 * on the client (the adapter runs the actions they cause); it must not call PREFIX_poll or
 * PREFIX_close.
 */
#ifndef WPS_ADAPTER_H
#define WPS_ADAPTER_H

#include "../../wps.h" /* adjust the path when copying the adapters */

/** Called with each EVENT and COMPLETE action (and NEED_URL when options.url is NULL: answer it
    with wps_client_set_url or wps_client_url_failed, at once or later). */
typedef void (*wps_adapter_on_action)(void *user, const wps_action *a);

/** Adapter options; copied by PREFIX_init (url is kept as a pointer: it must outlive the adapter). */
typedef struct wps_adapter_options {
    const char *url;                 /* client access URL, or NULL: NEED_URL goes to on_action */
    wps_adapter_on_action on_action; /* may be NULL: events and completions are then dropped */
    void *user;                      /* passed to on_action */
    int trace;                       /* nonzero: the adapter logs its transport steps to stderr */
} wps_adapter_options;

#endif /* WPS_ADAPTER_H */
