/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A bump allocator for what lives exactly as long as its owner (a ruleset's rules): no per-object
 * malloc or free, one free of a few chunks at the end. An object is built in place: reserve room
 * for its largest possible size, write it, then commit what it took (or nothing, to drop it); the
 * next reserve reuses what was not committed. Private to lib/. */
#pragma once

#include <stddef.h>

typedef struct ak_arena_chunk ak_arena_chunk;

typedef struct ak_arena {
        ak_arena_chunk *head;   /* the chunk being filled; older ones follow */
        size_t reserved;        /* bytes at the top handed out by the last ak_arena_reserve() */
} ak_arena;

/* n bytes at the top of the arena (aligned for any object), valid until the next reserve or
 * ak_arena_done(); NULL on OOM. Uncommitted bytes of an earlier reservation are reused. */
void *ak_arena_reserve(ak_arena *a, size_t n);
/* The first n bytes (n <= the reservation) of the last reservation are used; the rest is free. */
void ak_arena_commit(ak_arena *a, size_t n);
void ak_arena_done(ak_arena *a);
