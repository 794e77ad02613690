// libjpeg-turbo behind return codes: its error manager longjmps back here instead of exiting.
#include "nuage_codecs.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

typedef struct {
    struct jpeg_error_mgr manager;
    jmp_buf jump;
    char *message;
} error_context;

static void on_error(j_common_ptr codec) {
    error_context *context = (error_context *)codec->err;
    if (context->message) (*codec->err->format_message)(codec, context->message);
    longjmp(context->jump, 1);
}

// Corrupt data warnings (premature end of data, bad Huffman code) are errors for an archive: the frame is damaged.
static void on_message(j_common_ptr codec, int level) {
    if (level < 0) on_error(codec);
}

static void install(error_context *context, char *message) {
    jpeg_std_error(&context->manager);
    context->manager.error_exit = on_error;
    context->manager.emit_message = on_message;
    context->message = message;
}

int nuage_jpeg_decode(const uint8_t *source, size_t source_length, int color_hint, uint8_t *destination,
                      size_t destination_capacity, nuage_image_info *info, char *message) {
    struct jpeg_decompress_struct codec;
    error_context errors;
    memset(info, 0, sizeof *info);
    codec.err = &errors.manager;
    install(&errors, message);
    if (setjmp(errors.jump)) {
        jpeg_destroy_decompress(&codec);
        return NUAGE_CORRUPT;
    }
    jpeg_create_decompress(&codec);
    jpeg_mem_src(&codec, source, (unsigned long)source_length);
    jpeg_read_header(&codec, TRUE);
    if (codec.num_components == 3 && !codec.saw_JFIF_marker && !codec.saw_Adobe_marker) {
        // No JFIF or Adobe marker: libjpeg guesses from component identifiers; DICOM's attribute is authoritative.
        if (color_hint == NUAGE_JPEG_COLOR_RGB) codec.jpeg_color_space = JCS_RGB;
        if (color_hint == NUAGE_JPEG_COLOR_YCBCR) codec.jpeg_color_space = JCS_YCbCr;
    }
    if (codec.num_components == 3) codec.out_color_space = JCS_RGB;
    jpeg_start_decompress(&codec);
    info->width = (int32_t)codec.output_width;
    info->height = (int32_t)codec.output_height;
    info->components = codec.output_components;
    info->precision = codec.data_precision;
    size_t row_length = (size_t)codec.output_width * (size_t)codec.output_components;
    if (row_length * codec.output_height > destination_capacity) {
        jpeg_destroy_decompress(&codec);
        return NUAGE_TOO_SMALL;
    }
    while (codec.output_scanline < codec.output_height) {
        JSAMPROW row = destination + row_length * codec.output_scanline;
        jpeg_read_scanlines(&codec, &row, 1);
    }
    jpeg_finish_decompress(&codec);
    jpeg_destroy_decompress(&codec);
    return NUAGE_OK;
}

int nuage_jpeg_encode(const uint8_t *pixels, int32_t width, int32_t height, int32_t components, int32_t quality,
                      uint8_t **output, size_t *output_length, char *message) {
    struct jpeg_compress_struct codec;
    error_context errors;
    unsigned char *buffer = NULL;
    unsigned long length = 0;
    *output = NULL;
    *output_length = 0;
    codec.err = &errors.manager;
    install(&errors, message);
    if (setjmp(errors.jump)) {
        jpeg_destroy_compress(&codec);
        free(buffer);
        return NUAGE_CORRUPT;
    }
    jpeg_create_compress(&codec);
    jpeg_mem_dest(&codec, &buffer, &length);
    codec.image_width = (JDIMENSION)width;
    codec.image_height = (JDIMENSION)height;
    codec.input_components = components;
    codec.in_color_space = components == 3 ? JCS_RGB : JCS_GRAYSCALE;
    jpeg_set_defaults(&codec);
    jpeg_set_quality(&codec, quality, TRUE);
    jpeg_start_compress(&codec, TRUE);
    size_t row_length = (size_t)width * (size_t)components;
    while (codec.next_scanline < codec.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + row_length * codec.next_scanline);
        jpeg_write_scanlines(&codec, &row, 1);
    }
    jpeg_finish_compress(&codec);
    jpeg_destroy_compress(&codec);
    *output = buffer;
    *output_length = length;
    return NUAGE_OK;
}

void nuage_free(void *pointer) { free(pointer); }
