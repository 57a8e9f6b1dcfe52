/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bump allocator (arena.h). Chunks double from 64 KiB; from 2 MiB on they are huge-page
 * aligned and advised (MADV_HUGEPAGE): a 5000-rule ruleset (5.5 MiB of rules) then takes a few
 * page faults instead of ~1400, and a small one (the daemon's 1000 rules fit in the first 2 MiB)
 * is not rounded up to huge pages. Under AddressSanitizer, bytes not handed out are poisoned, so
 * an overrun of an object is reported as it would be for a malloc'd one. */
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "arena.h"

#if defined(__SANITIZE_ADDRESS__)
#  include <sanitizer/asan_interface.h>
#  define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#  define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer)
#    include <sanitizer/asan_interface.h>
#    define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#    define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#  endif
#endif
#ifndef POISON
#  define POISON(p, n) ((void) (p), (void) (n))
#  define UNPOISON(p, n) ((void) (p), (void) (n))
#endif

#define CHUNK_MIN (64u << 10)
#define CHUNK_HUGE (2u << 20)           /* a huge page of x86_64 and aarch64 (4 KiB pages) */
#define ALIGN alignof(max_align_t)

struct ak_arena_chunk {
        ak_arena_chunk *next;
        size_t size, used;      /* of data[] */
        size_t mapped;          /* a huge chunk: the bytes mapped for it (munmap); 0: malloc'd */
        alignas(max_align_t) unsigned char data[];
};

static size_t align_up(size_t n) {
        return (n + ALIGN - 1) & ~(size_t) (ALIGN - 1);
}

/* total bytes (a multiple of CHUNK_HUGE) mapped at a CHUNK_HUGE boundary, advised as huge pages.
 * Mapped, not malloc'd: glibc serves a 2 MiB request from its heap once a freed mapping has raised
 * its mmap threshold, and a heap range stays advised and resident after free (until malloc_trim). */
static ak_arena_chunk *huge_map(size_t total) {
        size_t span = total + CHUNK_HUGE, head;
        unsigned char *p = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        ak_arena_chunk *c;

        if (p == MAP_FAILED)
                return NULL;
        head = (CHUNK_HUGE - (uintptr_t) p % CHUNK_HUGE) % CHUNK_HUGE;
        if (head > 0)
                (void) munmap(p, head);
        (void) munmap(p + head + total, span - head - total);
        c = (ak_arena_chunk *) (void *) (p + head);
        (void) madvise(c, total, MADV_HUGEPAGE);        /* a hint: fine if refused */
        c->mapped = total;
        return c;
}

void *ak_arena_reserve(ak_arena *a, size_t n) {
        ak_arena_chunk *c = a->head;

        if (c && a->reserved)
                POISON(c->data + c->used, a->reserved);
        a->reserved = 0;
        if (!c || c->size - c->used < n) {
                /* chunks double up to CHUNK_HUGE: a small ruleset stays small */
                size_t size = c ? (c->size * 2 < CHUNK_HUGE ? c->size * 2 : CHUNK_HUGE) : CHUNK_MIN;

                if (size < n)
                        size = align_up(n);
                if (size >= CHUNK_HUGE) {
                        /* whole huge pages, the header included: n bytes of room at least */
                        size_t total = (sizeof(*c) + n + CHUNK_HUGE - 1) & ~(size_t) (CHUNK_HUGE - 1);

                        c = huge_map(total);
                        if (!c)
                                return NULL;
                        size = total - sizeof(*c);
                } else {
                        c = malloc(sizeof(*c) + size);
                        if (!c)
                                return NULL;
                        c->mapped = 0;
                }
                c->next = a->head;
                c->size = size;
                c->used = 0;
                POISON(c->data, size);
                a->head = c;
        }
        UNPOISON(c->data + c->used, n);
        a->reserved = n;
        return c->data + c->used;
}

void ak_arena_commit(ak_arena *a, size_t n) {
        ak_arena_chunk *c = a->head;
        size_t used = align_up(n);

        if (!c || n > a->reserved)
                abort();        /* a caller's bug: nothing reserved, or more used than reserved */
        if (used > c->size - c->used)
                used = c->size - c->used;
        if (a->reserved > n)
                POISON(c->data + c->used + n, a->reserved - n);
        c->used += used;
        a->reserved = 0;
}

void ak_arena_done(ak_arena *a) {
        while (a->head) {
                ak_arena_chunk *next = a->head->next;

                UNPOISON(a->head->data, a->head->size);
                if (a->head->mapped)
                        (void) munmap(a->head, a->head->mapped);
                else
                        free(a->head);
                a->head = next;
        }
        a->reserved = 0;
}
