/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One MESSAGE_ID per event kind; documented in systemd/auditkeepd.catalog. */
#pragma once

#define AK_MID_STARTED          "25fc59c02af14b59874bdc868a437ac7"
#define AK_MID_SYNCED           "11970416ad154689b831504e1bc3150b"
#define AK_MID_DRIFT            "d56785d2750544518707be46f4ff7405"
#define AK_MID_REPAIRED         "6cac7907590041fb9c648f92e8a2a2bd"
#define AK_MID_PENDING          "1f49cf0e881a48f0af656dafe2637db7"
#define AK_MID_RELOAD_OK        "b62f6359ae814344baa428d17980be5a"
#define AK_MID_RELOAD_REJECTED  "6cc76c7da7664adf9aec4e602a511ad2"
#define AK_MID_LOCKED           "f7c1a188ddf74db4ad0adc80ad675d72"
#define AK_MID_FLAPPING         "3d027e9f414f40cda442a2934390bf57"
#define AK_MID_RULES_ERROR      "b4b3778545844179869990b580daa543"
#define AK_MID_EVENTS_LOST      "12b69efda90649f2a6fcfc8043096246"
#define AK_MID_STOPPED          "3654112e335f4568bedb8e011e142f4e"
#define AK_MID_AUDITD_CONF      "8b1abfe335c445ca8ca91131cdae1845"
#define AK_MID_FOREIGN_KEPT     "18ee8637a3164b74b261cf2e880d329f"
#define AK_MID_RECORDS_LOST     "47442783a04f46c3be146238a940e530"
#define AK_MID_BACKLOG_WAIT     "803211a765fd475e8a9e8fbcb94c9638"
