/*
 * Axewallet USB command protocol for ESP-Miner: newline-delimited JSON requests on the USB
 * Serial/JTAG console, one-line replies prefixed "@BXJ " so a host can pick them out of the log
 * stream. Pure C + cJSON, no ESP-IDF: it builds and is tested on the host.
 *
 *   {"cmd":"info","id":1}                    -> @BXJ {"cmd":"info","id":1,"ok":true,"data":{...system info...}}
 *   {"cmd":"set","id":2,"settings":{...}}    -> @BXJ {"cmd":"set","id":2,"ok":true}   (or "ok":false,"error":"Wrong API input")
 *   {"cmd":"restart","id":3}                 -> @BXJ {"cmd":"restart","id":3,"ok":true} then the device restarts
 */
#ifndef USB_CMD_PROTO_H_
#define USB_CMD_PROTO_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cJSON.h"

#define USB_CMD_REPLY_PREFIX "@BXJ "
/* PATCH /api/system refuses bodies of 10240 bytes and more; a command line gets the same room. */
#define USB_CMD_MAX_LINE 10240

typedef struct {
    /* the full system info (system_api_get_full_json); ownership passes to the caller */
    cJSON *(*get_info)(void *ctx);
    /* check_settings_and_update: all fields valid and saved, or nothing saved */
    bool (*apply_settings)(void *ctx, const cJSON *settings);
    void *ctx;
} usb_cmd_ops_t;

typedef struct {
    char buf[USB_CMD_MAX_LINE + 1];
    size_t len;
    bool discarding;
} usb_cmd_line_t;

typedef void (*usb_cmd_on_line)(const char *line, void *arg);

void usb_cmd_line_init(usb_cmd_line_t *line);

/* Splits bytes into lines; a line longer than USB_CMD_MAX_LINE is dropped whole. Returns lines delivered. */
size_t usb_cmd_line_feed(usb_cmd_line_t *line, const uint8_t *data, size_t len, usb_cmd_on_line on_line, void *arg);

/*
 * Handles one request line. Returns a malloc'd reply ("@BXJ {...}\n") or NULL for a blank line.
 * *restart_after is set when the device should restart once the reply is written.
 */
char *usb_cmd_handle_line(const char *line, const usb_cmd_ops_t *ops, bool *restart_after);

#endif
