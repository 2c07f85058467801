/* Host tests of the USB command protocol: gcc + libcjson, no ESP-IDF. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usb_cmd_proto.h"

static int failures = 0;
static int checks = 0;

#define CHECK(cond) do { checks++; if (!(cond)) { failures++; fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); } } while (0)

#define FAKE_DEVICE_MAC "A0:B7:65:00:00:01"
#include "fake_device.h"

static void expect_reply(const char *request, const char *expected, bool expect_restart)
{
    bool restart = false;
    char *reply = usb_cmd_handle_line(request, &ops, &restart);
    CHECK(reply != NULL);
    if (reply != NULL && strcmp(reply, expected) != 0) {
        failures++;
        fprintf(stderr, "FAIL reply to %s\n  got      %s  expected %s", request, reply, expected);
    }
    checks++;
    CHECK(restart == expect_restart);
    free(reply);
}

static char collected[4][64];
static int collected_count = 0;

static void collect(const char *line, void *arg)
{
    (void) arg;
    if (collected_count < 4) snprintf(collected[collected_count++], sizeof(collected[0]), "%s", line);
}

static void test_commands(void)
{
    expect_reply("{\"cmd\":\"info\",\"id\":1}", "@BXJ {\"cmd\":\"info\",\"id\":1,\"ok\":true,\"data\":{\"macAddr\":\"A0:B7:65:00:00:01\",\"temptarget\":60}}\n", false);
    expect_reply("{\"cmd\":\"set\",\"id\":2,\"settings\":{\"temptarget\":55}}", "@BXJ {\"cmd\":\"set\",\"id\":2,\"ok\":true}\n", false);
    CHECK(temptarget == 55);
    expect_reply("{\"cmd\":\"set\",\"id\":3,\"settings\":{\"temptarget\":99}}", "@BXJ {\"cmd\":\"set\",\"id\":3,\"ok\":false,\"error\":\"Wrong API input\"}\n", false);
    CHECK(temptarget == 55);
    expect_reply("{\"cmd\":\"set\",\"id\":4}", "@BXJ {\"cmd\":\"set\",\"id\":4,\"ok\":false,\"error\":\"Wrong API input\"}\n", false);
    expect_reply("{\"cmd\":\"restart\",\"id\":\"r\"}", "@BXJ {\"cmd\":\"restart\",\"id\":\"r\",\"ok\":true}\n", true);
    expect_reply("{\"cmd\":\"format\"}", "@BXJ {\"cmd\":\"format\",\"ok\":false,\"error\":\"unknown command\"}\n", false);
    expect_reply("{\"id\":5}", "@BXJ {\"cmd\":null,\"id\":5,\"ok\":false,\"error\":\"unknown command\"}\n", false);
    expect_reply("not json", "@BXJ {\"ok\":false,\"error\":\"invalid JSON\"}\n", false);
    expect_reply("[1,2]", "@BXJ {\"ok\":false,\"error\":\"invalid JSON\"}\n", false);
    bool restart = true;
    CHECK(usb_cmd_handle_line("  \r", &ops, &restart) == NULL);
    CHECK(restart == false);
}

static void test_line_splitting(void)
{
    usb_cmd_line_t *line = malloc(sizeof(*line));
    usb_cmd_line_init(line);
    const char *part1 = "{\"cmd\":\"in";
    const char *part2 = "fo\"}\r\n{\"cmd\":\"restart\"}\n";
    CHECK(usb_cmd_line_feed(line, (const uint8_t *) part1, strlen(part1), collect, NULL) == 0);
    CHECK(usb_cmd_line_feed(line, (const uint8_t *) part2, strlen(part2), collect, NULL) == 2);
    CHECK(strcmp(collected[0], "{\"cmd\":\"info\"}") == 0);
    CHECK(strcmp(collected[1], "{\"cmd\":\"restart\"}") == 0);

    /* an overlong line is dropped whole, the next one still arrives */
    char *big = malloc(USB_CMD_MAX_LINE + 10);
    memset(big, 'x', USB_CMD_MAX_LINE + 9);
    big[USB_CMD_MAX_LINE + 9] = '\n';
    CHECK(usb_cmd_line_feed(line, (const uint8_t *) big, USB_CMD_MAX_LINE + 10, collect, NULL) == 0);
    const char *after = "{\"cmd\":\"info\",\"id\":9}\n";
    CHECK(usb_cmd_line_feed(line, (const uint8_t *) after, strlen(after), collect, NULL) == 1);
    CHECK(strcmp(collected[2], "{\"cmd\":\"info\",\"id\":9}") == 0);
    free(big);
    free(line);
}

int main(void)
{
    test_commands();
    test_line_splitting();
    if (failures > 0) {
        fprintf(stderr, "%d of %d checks failed\n", failures, checks);
        return 1;
    }
    printf("ok %d checks\n", checks);
    return 0;
}
