/*
 * A stand-in for GLOBAL_STATE behind the USB command protocol in host builds: one setting (temptarget)
 * validated like check_settings_and_update (everything checked first, then saved). Define FAKE_DEVICE_MAC
 * before including it.
 */
#ifndef FAKE_DEVICE_H
#define FAKE_DEVICE_H

#include <stdbool.h>

#include "usb_cmd_proto.h"

static int temptarget = 60;

static cJSON *get_info(void *ctx)
{
    (void) ctx;
    cJSON *info = cJSON_CreateObject();
    cJSON_AddStringToObject(info, "macAddr", FAKE_DEVICE_MAC);
    cJSON_AddNumberToObject(info, "temptarget", temptarget);
    return info;
}

static bool apply_settings(void *ctx, const cJSON *settings)
{
    (void) ctx;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(settings, "temptarget");
    if (t != NULL && (!cJSON_IsNumber(t) || t->valuedouble < 35 || t->valuedouble > 66)) return false;
    if (t != NULL) temptarget = t->valueint;
    return true;
}

static const usb_cmd_ops_t ops = { .get_info = get_info, .apply_settings = apply_settings, .ctx = NULL };

#endif
