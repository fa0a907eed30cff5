/*
 * Vigie's thin wrapper around the libjpeg(-turbo) decompression API.
 *
 * Every entry point establishes its own setjmp() so that libjpeg's fatal errors (which call
 * error_exit and must never return) come back to Rust as a non-zero status plus a message.
 * Warnings are never printed; a premature end of data (a truncated file) is recorded so that
 * the caller can refuse the image rather than hash the grey padding libjpeg would invent.
 *
 * Status codes: 0 success, 1 libjpeg error (message in vigie_jpeg_message), 2 truncated data,
 * 3 libjpeg's buffers would exceed the memory limit set with vigie_jpeg_start.
 *
 * The data comes either from memory (jpeg_mem_src) or from a read callback (a file streamed
 * through a small buffer, so that a large file is never held whole). The callback is a Rust
 * function that never unwinds; libjpeg's longjmp never crosses it, because libjpeg calls the
 * callback and the callback returns before libjpeg raises any error.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jpeglib.h"
#include "jerror.h"

/* Reads up to len bytes into buf; returns 0 at the end of the data or on a read error (the
 * Rust side records which). */
typedef size_t (*vigie_read_fn)(void *ctx, unsigned char *buf, size_t len);

#define VIGIE_SRC_BUFFER 65536

struct vigie_source {
    struct jpeg_source_mgr pub;
    vigie_read_fn read;
    void *ctx;
    JOCTET buffer[VIGIE_SRC_BUFFER];
};

struct vigie_jpeg {
    struct jpeg_decompress_struct cinfo;
    struct jpeg_error_mgr err;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
    int created;
    int truncated;
    struct vigie_source *source; /* NULL when reading from memory */
};

struct vigie_jpeg_info {
    unsigned int width;
    unsigned int height;
    int num_components;
    int color_space;  /* J_COLOR_SPACE of the file */
    int adobe_marker; /* non-zero when an Adobe APP14 marker was seen */
    int progressive;  /* non-zero for a progressive (or otherwise multi-scan) file */
    /* Bytes of the whole-image coefficient buffer libjpeg allocates for a multi-scan file (0 for
     * a single-scan file, which is decoded one band of rows at a time). */
    unsigned long long coefficient_bytes;
};

static void vigie_error_exit(j_common_ptr cinfo) {
    struct vigie_jpeg *h = (struct vigie_jpeg *)cinfo->client_data;
    (*cinfo->err->format_message)(cinfo, h->message);
    longjmp(h->jump, 1);
}

static void vigie_emit_message(j_common_ptr cinfo, int msg_level) {
    struct vigie_jpeg *h = (struct vigie_jpeg *)cinfo->client_data;
    if (msg_level < 0) {
        cinfo->err->num_warnings++;
        if (cinfo->err->msg_code == JWRN_JPEG_EOF) {
            h->truncated = 1;
            (*cinfo->err->format_message)(cinfo, h->message);
        }
    }
}

static void vigie_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void vigie_source_init(j_decompress_ptr cinfo) { (void)cinfo; }

static boolean vigie_source_fill(j_decompress_ptr cinfo) {
    struct vigie_source *src = (struct vigie_source *)cinfo->src;
    size_t n = src->read(src->ctx, src->buffer, VIGIE_SRC_BUFFER);
    if (n == 0) {
        /* As jpeg_mem_src does: warn (recorded as truncation) and insert a fake EOI. */
        WARNMS(cinfo, JWRN_JPEG_EOF);
        src->buffer[0] = (JOCTET)0xFF;
        src->buffer[1] = (JOCTET)JPEG_EOI;
        n = 2;
    }
    src->pub.next_input_byte = src->buffer;
    src->pub.bytes_in_buffer = n;
    return TRUE;
}

/* Skips markers libjpeg does not keep (APPn, COM) by reading past them: nothing is stored. */
static void vigie_source_skip(j_decompress_ptr cinfo, long num_bytes) {
    struct jpeg_source_mgr *src = cinfo->src;
    if (num_bytes <= 0) {
        return;
    }
    while (num_bytes > (long)src->bytes_in_buffer) {
        num_bytes -= (long)src->bytes_in_buffer;
        (void)(*src->fill_input_buffer)(cinfo);
    }
    src->next_input_byte += (size_t)num_bytes;
    src->bytes_in_buffer -= (size_t)num_bytes;
}

static void vigie_source_term(j_decompress_ptr cinfo) { (void)cinfo; }

struct vigie_jpeg *vigie_jpeg_new(void) {
    struct vigie_jpeg *h = (struct vigie_jpeg *)calloc(1, sizeof(struct vigie_jpeg));
    return h;
}

/* Sets up error handling and the decompressor; 0 on success. */
static int vigie_create(struct vigie_jpeg *h) {
    h->cinfo.err = jpeg_std_error(&h->err);
    h->err.error_exit = vigie_error_exit;
    h->err.emit_message = vigie_emit_message;
    h->err.output_message = vigie_output_message;
    h->cinfo.client_data = h;
    jpeg_create_decompress(&h->cinfo);
    h->created = 1;
    return 0;
}

/* Reads the markers up to the first scan and describes the image. */
static int vigie_header(struct vigie_jpeg *h, struct vigie_jpeg_info *info) {
    int ci;
    unsigned long long coefficients = 0;
    jpeg_read_header(&h->cinfo, TRUE);
    if (h->truncated) {
        return 2;
    }
    info->width = h->cinfo.image_width;
    info->height = h->cinfo.image_height;
    info->num_components = h->cinfo.num_components;
    info->color_space = (int)h->cinfo.jpeg_color_space;
    info->adobe_marker = h->cinfo.saw_Adobe_marker ? 1 : 0;
    /* What jdinput.c decides at the first SOS (has_multiple_scans), and what jdcoefct.c then
     * requests for the whole image: per component, its blocks rounded up to whole MCUs. */
    info->progressive =
        (h->cinfo.progressive_mode || h->cinfo.comps_in_scan < h->cinfo.num_components) ? 1 : 0;
    if (info->progressive) {
        for (ci = 0; ci < h->cinfo.num_components; ci++) {
            jpeg_component_info *c = &h->cinfo.comp_info[ci];
            unsigned long long bw = ((unsigned long long)c->width_in_blocks + c->h_samp_factor - 1) /
                                    c->h_samp_factor * c->h_samp_factor;
            unsigned long long bh = ((unsigned long long)c->height_in_blocks + c->v_samp_factor - 1) /
                                    c->v_samp_factor * c->v_samp_factor;
            coefficients += bw * bh * sizeof(JBLOCK);
        }
    }
    info->coefficient_bytes = coefficients;
    return 0;
}

const char *vigie_jpeg_message(const struct vigie_jpeg *h) { return h->message; }

int vigie_jpeg_truncated(const struct vigie_jpeg *h) { return h->truncated; }

/* Reads the header from memory only: no pixel memory is allocated yet. */
int vigie_jpeg_read_header(struct vigie_jpeg *h, const unsigned char *data, unsigned long len,
                           struct vigie_jpeg_info *info) {
    if (setjmp(h->jump)) {
        return 1;
    }
    vigie_create(h);
    jpeg_mem_src(&h->cinfo, data, len);
    return vigie_header(h, info);
}

/* Reads the header through `read` (called with `ctx`); no pixel memory is allocated yet. */
int vigie_jpeg_read_header_from(struct vigie_jpeg *h, vigie_read_fn read, void *ctx,
                                struct vigie_jpeg_info *info) {
    if (setjmp(h->jump)) {
        return 1;
    }
    vigie_create(h);
    h->source = (struct vigie_source *)(*h->cinfo.mem->alloc_small)(
        (j_common_ptr)&h->cinfo, JPOOL_PERMANENT, sizeof(struct vigie_source));
    h->source->read = read;
    h->source->ctx = ctx;
    h->source->pub.init_source = vigie_source_init;
    h->source->pub.fill_input_buffer = vigie_source_fill;
    h->source->pub.skip_input_data = vigie_source_skip;
    h->source->pub.resync_to_restart = jpeg_resync_to_restart;
    h->source->pub.term_source = vigie_source_term;
    h->source->pub.bytes_in_buffer = 0;
    h->source->pub.next_input_byte = NULL;
    h->cinfo.src = &h->source->pub;
    return vigie_header(h, info);
}

/* out_color_space: 1 = grey, 2 = RGB, 4 = CMYK (libjpeg's J_COLOR_SPACE values).
 * Decoding parameters are libjpeg's defaults, spelt out: accurate integer IDCT and fancy
 * (triangular) chroma upsampling, as Pillow and CImg (the PDQ reference's loader) use. */
int vigie_jpeg_start(struct vigie_jpeg *h, int out_color_space, unsigned long max_memory,
                     unsigned int *out_width, unsigned int *out_height, int *out_components) {
    if (setjmp(h->jump)) {
        return h->err.msg_code == JERR_NO_BACKING_STORE ? 3 : 1;
    }
    /* A backstop to the caller's own estimate: libjpeg sizes its whole-image buffers against
     * this and, having no backing store, fails rather than exceed it. */
    h->cinfo.mem->max_memory_to_use = (long)max_memory;
    h->cinfo.out_color_space = (J_COLOR_SPACE)out_color_space;
    h->cinfo.dct_method = JDCT_ISLOW;
    h->cinfo.do_fancy_upsampling = TRUE;
    h->cinfo.do_block_smoothing = TRUE;
    h->cinfo.scale_num = 1;
    h->cinfo.scale_denom = 1;
    h->cinfo.quantize_colors = FALSE;
    jpeg_start_decompress(&h->cinfo);
    if (h->truncated) {
        return 2;
    }
    *out_width = h->cinfo.output_width;
    *out_height = h->cinfo.output_height;
    *out_components = h->cinfo.output_components;
    return 0;
}

/* Decodes up to max_lines scanlines into buf (rows of `stride` bytes). */
int vigie_jpeg_read(struct vigie_jpeg *h, unsigned char *buf, unsigned long stride,
                    unsigned int max_lines, unsigned int *lines_read) {
    JSAMPROW rows[16];
    unsigned int i, n;
    *lines_read = 0;
    if (setjmp(h->jump)) {
        return 1;
    }
    n = max_lines > 16 ? 16 : max_lines;
    for (i = 0; i < n; i++) {
        rows[i] = buf + (unsigned long)i * stride;
    }
    *lines_read = jpeg_read_scanlines(&h->cinfo, rows, n);
    if (h->truncated) {
        return 2;
    }
    return 0;
}

void vigie_jpeg_free(struct vigie_jpeg *h) {
    if (h == NULL) {
        return;
    }
    if (h->created) {
        /* jpeg_destroy does not call error_exit; guard anyway so a longjmp lands here. */
        if (setjmp(h->jump) == 0) {
            jpeg_destroy_decompress(&h->cinfo);
        }
    }
    free(h);
}
