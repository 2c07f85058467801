/*
 * The protocol module behind a console, for tests: reads the "USB console" from stdin, answers
 * on stdout, and prints a stock-looking log line now and then, like the firmware would. Run under
 * socat it gives the host-side serial driver a real pty with the C implementation behind it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usb_cmd_proto.h"

#define FAKE_DEVICE_MAC "A0:B7:65:C0:FF:EE"
#include "fake_device.h"

static void on_line(const char *line, void *arg)
{
    (void) arg;
    bool restart = false;
    char *reply = usb_cmd_handle_line(line, &ops, &restart);
    if (reply != NULL) {
        fputs(reply, stdout);
        free(reply);
    }
    if (restart) fputs("\x1b[0;32mI (1) usb_cmd: Restarting because of a USB command\x1b[0m\n", stdout);
    fflush(stdout);
}

int main(void)
{
    static usb_cmd_line_t line;
    uint8_t chunk[256];
    usb_cmd_line_init(&line);
    fputs("\x1b[0;32mI (0) bitaxe: Welcome to the bitaxe - FOSS || GTFO!\x1b[0m\n", stdout);
    fflush(stdout);
    size_t n;
    while ((n = fread(chunk, 1, 1, stdin)) > 0) usb_cmd_line_feed(&line, chunk, n, on_line, NULL);
    return 0;
}
