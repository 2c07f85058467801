#ifndef USB_CMD_H_
#define USB_CMD_H_

#include "esp_err.h"
#include "global_state.h"

/* Starts the task answering Axewallet's JSON commands on the USB Serial/JTAG console. */
esp_err_t usb_cmd_init(GlobalState *global_state);

#endif
