// CharLS's C API behind the same conventions as the other codecs.
#include "nuage_codecs.h"

#include <stdio.h>
#include <stdlib.h>
#include <charls/charls.h>

static int fail(charls_jpegls_errc error, char *message) {
    snprintf(message, NUAGE_MESSAGE_CAPACITY, "CharLS: %s", charls_get_error_message(error));
    return NUAGE_CORRUPT;
}

int nuage_jls_decode(const uint8_t *source, size_t source_length, uint8_t *destination, size_t destination_capacity,
                     nuage_image_info *info, char *message) {
    charls_jpegls_decoder *decoder = charls_jpegls_decoder_create();
    if (!decoder) return NUAGE_OUT_OF_MEMORY;
    int status = NUAGE_OK;
    charls_jpegls_errc error = charls_jpegls_decoder_set_source_buffer(decoder, source, source_length);
    if (!error) error = charls_jpegls_decoder_read_header(decoder);
    charls_frame_info frame = {0};
    charls_interleave_mode mode = CHARLS_INTERLEAVE_MODE_NONE;
    int32_t near = 0;
    size_t needed = 0;
    if (!error) error = charls_jpegls_decoder_get_frame_info(decoder, &frame);
    if (!error) error = charls_jpegls_decoder_get_interleave_mode(decoder, &mode);
    if (!error) error = charls_jpegls_decoder_get_near_lossless(decoder, 0, &near);
    if (!error) error = charls_jpegls_decoder_get_destination_size(decoder, 0, &needed);
    if (error) {
        status = fail(error, message);
    } else {
        info->width = (int32_t)frame.width;
        info->height = (int32_t)frame.height;
        info->components = frame.component_count;
        info->precision = frame.bits_per_sample;
        info->is_signed = 0;
        info->is_planar = mode == CHARLS_INTERLEAVE_MODE_NONE && frame.component_count > 1;
        info->near_lossless = near;
        info->color_transformed = 0;
        if (needed > destination_capacity) {
            status = NUAGE_TOO_SMALL;
        } else {
            error = charls_jpegls_decoder_decode_to_buffer(decoder, destination, destination_capacity, 0);
            if (error) status = fail(error, message);
        }
    }
    charls_jpegls_decoder_destroy(decoder);
    return status;
}

int nuage_jls_encode_lossless(const uint8_t *pixels, int32_t width, int32_t height, int32_t components,
                              int32_t bytes_per_sample, int32_t precision, uint8_t **output, size_t *output_length,
                              char *message) {
    *output = NULL;
    *output_length = 0;
    charls_jpegls_encoder *encoder = charls_jpegls_encoder_create();
    if (!encoder) return NUAGE_OUT_OF_MEMORY;
    charls_frame_info frame = {(uint32_t)width, (uint32_t)height, precision, components};
    size_t capacity = 0;
    uint8_t *buffer = NULL;
    int status = NUAGE_OK;
    charls_jpegls_errc error = charls_jpegls_encoder_set_frame_info(encoder, &frame);
    if (!error && components > 1) {
        error = charls_jpegls_encoder_set_interleave_mode(encoder, CHARLS_INTERLEAVE_MODE_SAMPLE);
    }
    if (!error) error = charls_jpegls_encoder_set_near_lossless(encoder, 0);
    if (!error) error = charls_jpegls_encoder_get_estimated_destination_size(encoder, &capacity);
    if (!error) {
        buffer = malloc(capacity);
        if (!buffer) {
            charls_jpegls_encoder_destroy(encoder);
            return NUAGE_OUT_OF_MEMORY;
        }
        error = charls_jpegls_encoder_set_destination_buffer(encoder, buffer, capacity);
    }
    size_t source_size = (size_t)width * (size_t)height * (size_t)components * (size_t)bytes_per_sample;
    if (!error) error = charls_jpegls_encoder_encode_from_buffer(encoder, pixels, source_size, 0);
    if (!error) error = charls_jpegls_encoder_get_bytes_written(encoder, output_length);
    if (error) {
        status = fail(error, message);
        free(buffer);
        *output_length = 0;
    } else {
        *output = buffer;
    }
    charls_jpegls_encoder_destroy(encoder);
    return status;
}
