#include "usb_cmd_proto.h"

#include <stdlib.h>
#include <string.h>

void usb_cmd_line_init(usb_cmd_line_t *line)
{
    line->len = 0;
    line->discarding = false;
}

size_t usb_cmd_line_feed(usb_cmd_line_t *line, const uint8_t *data, size_t len, usb_cmd_on_line on_line, void *arg)
{
    size_t delivered = 0;
    for (size_t i = 0; i < len; i++) {
        char c = (char) data[i];
        if (c == '\n') {
            if (!line->discarding) {
                if (line->len > 0 && line->buf[line->len - 1] == '\r') line->len--;
                line->buf[line->len] = '\0';
                on_line(line->buf, arg);
                delivered++;
            }
            line->len = 0;
            line->discarding = false;
            continue;
        }
        if (line->discarding) continue;
        if (line->len >= USB_CMD_MAX_LINE) {
            /* too long to be a command: drop it up to its newline */
            line->discarding = true;
            line->len = 0;
            continue;
        }
        line->buf[line->len++] = c;
    }
    return delivered;
}

static bool is_blank(const char *s)
{
    for (; *s; s++) {
        if (*s != ' ' && *s != '\t' && *s != '\r') return false;
    }
    return true;
}

static char *finish(cJSON *reply)
{
    char *json = cJSON_PrintUnformatted(reply);
    cJSON_Delete(reply);
    if (json == NULL) return NULL;
    size_t n = strlen(json);
    char *out = malloc(strlen(USB_CMD_REPLY_PREFIX) + n + 2);
    if (out != NULL) {
        strcpy(out, USB_CMD_REPLY_PREFIX);
        memcpy(out + strlen(USB_CMD_REPLY_PREFIX), json, n);
        out[strlen(USB_CMD_REPLY_PREFIX) + n] = '\n';
        out[strlen(USB_CMD_REPLY_PREFIX) + n + 1] = '\0';
    }
    cJSON_free(json);
    return out;
}

static char *fail(cJSON *reply, const char *error)
{
    cJSON_AddFalseToObject(reply, "ok");
    cJSON_AddStringToObject(reply, "error", error);
    return finish(reply);
}

char *usb_cmd_handle_line(const char *line, const usb_cmd_ops_t *ops, bool *restart_after)
{
    *restart_after = false;
    if (is_blank(line)) return NULL;
    cJSON *reply = cJSON_CreateObject();
    if (reply == NULL) return NULL;
    cJSON *request = cJSON_Parse(line);
    if (!cJSON_IsObject(request)) {
        cJSON_Delete(request);
        return fail(reply, "invalid JSON");
    }
    const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(request, "cmd");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(request, "id");
    if (cJSON_IsString(cmd)) cJSON_AddStringToObject(reply, "cmd", cmd->valuestring);
    else cJSON_AddNullToObject(reply, "cmd");
    if (cJSON_IsNumber(id)) cJSON_AddNumberToObject(reply, "id", id->valuedouble);
    else if (cJSON_IsString(id)) cJSON_AddStringToObject(reply, "id", id->valuestring);

    char *out;
    if (!cJSON_IsString(cmd)) {
        out = fail(reply, "unknown command");
    } else if (strcmp(cmd->valuestring, "info") == 0) {
        cJSON *info = ops->get_info(ops->ctx);
        if (info == NULL) {
            out = fail(reply, "info unavailable");
        } else {
            cJSON_AddTrueToObject(reply, "ok");
            cJSON_AddItemToObject(reply, "data", info);
            out = finish(reply);
        }
    } else if (strcmp(cmd->valuestring, "set") == 0) {
        const cJSON *settings = cJSON_GetObjectItemCaseSensitive(request, "settings");
        if (!cJSON_IsObject(settings) || !ops->apply_settings(ops->ctx, settings)) {
            out = fail(reply, "Wrong API input");
        } else {
            cJSON_AddTrueToObject(reply, "ok");
            out = finish(reply);
        }
    } else if (strcmp(cmd->valuestring, "restart") == 0) {
        cJSON_AddTrueToObject(reply, "ok");
        out = finish(reply);
        *restart_after = true;
    } else {
        out = fail(reply, "unknown command");
    }
    cJSON_Delete(request);
    return out;
}
