/*
 * The ESP-IDF side of the USB command channel: reads the USB Serial/JTAG console, answers
 * through the same console. Replies go out as whole lines under the console lock so they never
 * split a log line. Unverified on hardware: if the driver cannot be installed next to the
 * console, build with CONFIG_ESP_CONSOLE_USB_SERIAL_JTAG=y and read stdin with fgets instead.
 */
#include "usb_cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver/usb_serial_jtag.h"
#include "esp_log.h"
#include "esp_system.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"

#include "system_api_json.h"
#include "usb_cmd_proto.h"

/* Defined in ESP-Miner's main/http_server/http_server.c (v2.15+) without a header prototype;
 * declared here so the hooks stay out of upstream headers. apply.sh checks the definition. */
bool check_settings_and_update(const cJSON * const root, char **redirect_url);

static const char *TAG = "usb_cmd";

static cJSON *get_info(void *ctx)
{
    return system_api_get_full_json((GlobalState *) ctx);
}

static bool apply_settings(void *ctx, const cJSON *settings)
{
    (void) ctx;
    return check_settings_and_update(settings, NULL);
}

static void on_line(const char *line, void *arg)
{
    const usb_cmd_ops_t *ops = arg;
    bool restart_after = false;
    char *reply = usb_cmd_handle_line(line, ops, &restart_after);
    if (reply == NULL) return;
    flockfile(stdout);
    fputs(reply, stdout);
    fflush(stdout);
    funlockfile(stdout);
    free(reply);
    if (restart_after) {
        ESP_LOGI(TAG, "Restarting because of a USB command");
        vTaskDelay(pdMS_TO_TICKS(1000));
        esp_restart();
    }
}

static void usb_cmd_task(void *param)
{
    static usb_cmd_line_t line;
    usb_cmd_ops_t ops = { .get_info = get_info, .apply_settings = apply_settings, .ctx = param };
    uint8_t chunk[128];
    usb_cmd_line_init(&line);
    for (;;) {
        int n = usb_serial_jtag_read_bytes(chunk, sizeof(chunk), portMAX_DELAY);
        if (n > 0) usb_cmd_line_feed(&line, chunk, (size_t) n, on_line, &ops);
    }
}

esp_err_t usb_cmd_init(GlobalState *global_state)
{
    if (!usb_serial_jtag_is_driver_installed()) {
        usb_serial_jtag_driver_config_t config = USB_SERIAL_JTAG_DRIVER_CONFIG_DEFAULT();
        esp_err_t err = usb_serial_jtag_driver_install(&config);
        if (err != ESP_OK) {
            ESP_LOGE(TAG, "USB Serial/JTAG driver install failed: %s", esp_err_to_name(err));
            return err;
        }
    }
    /* the line buffer is static: the task stack only holds the chunk */
    if (xTaskCreate(usb_cmd_task, "usb_cmd", 6144, global_state, 3, NULL) != pdPASS) return ESP_ERR_NO_MEM;
    ESP_LOGI(TAG, "USB command channel ready");
    return ESP_OK;
}
