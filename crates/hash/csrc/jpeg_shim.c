/*
 * Vigie's thin wrapper around the libjpeg(-turbo) decompression API.
 *
 * Every entry point establishes its own setjmp() so that libjpeg's fatal errors (which call
 * error_exit and must never return) come back to Rust as a non-zero status plus a message.
 * Warnings are never printed; a premature end of data (a truncated file) is recorded so that
 * the caller can refuse the image rather than hash the grey padding libjpeg would invent.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jpeglib.h"
#include "jerror.h"

struct vigie_jpeg {
    struct jpeg_decompress_struct cinfo;
    struct jpeg_error_mgr err;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
    int created;
    int truncated;
};

struct vigie_jpeg_info {
    unsigned int width;
    unsigned int height;
    int num_components;
    int color_space;  /* J_COLOR_SPACE of the file */
    int adobe_marker; /* non-zero when an Adobe APP14 marker was seen */
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

struct vigie_jpeg *vigie_jpeg_new(void) {
    struct vigie_jpeg *h = (struct vigie_jpeg *)calloc(1, sizeof(struct vigie_jpeg));
    return h;
}

const char *vigie_jpeg_message(const struct vigie_jpeg *h) { return h->message; }

int vigie_jpeg_truncated(const struct vigie_jpeg *h) { return h->truncated; }

/* Reads the header only: no pixel memory is allocated yet. */
int vigie_jpeg_read_header(struct vigie_jpeg *h, const unsigned char *data, unsigned long len,
                           struct vigie_jpeg_info *info) {
    if (setjmp(h->jump)) {
        return 1;
    }
    h->cinfo.err = jpeg_std_error(&h->err);
    h->err.error_exit = vigie_error_exit;
    h->err.emit_message = vigie_emit_message;
    h->err.output_message = vigie_output_message;
    h->cinfo.client_data = h;
    jpeg_create_decompress(&h->cinfo);
    h->created = 1;
    jpeg_mem_src(&h->cinfo, data, len);
    jpeg_read_header(&h->cinfo, TRUE);
    if (h->truncated) {
        return 2;
    }
    info->width = h->cinfo.image_width;
    info->height = h->cinfo.image_height;
    info->num_components = h->cinfo.num_components;
    info->color_space = (int)h->cinfo.jpeg_color_space;
    info->adobe_marker = h->cinfo.saw_Adobe_marker ? 1 : 0;
    return 0;
}

/* out_color_space: 1 = grey, 2 = RGB, 4 = CMYK (libjpeg's J_COLOR_SPACE values).
 * Decoding parameters are libjpeg's defaults, spelt out: accurate integer IDCT and fancy
 * (triangular) chroma upsampling, as Pillow and CImg (the PDQ reference's loader) use. */
int vigie_jpeg_start(struct vigie_jpeg *h, int out_color_space, unsigned int *out_width,
                     unsigned int *out_height, int *out_components) {
    if (setjmp(h->jump)) {
        return 1;
    }
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
