// Thin C wrappers over libjpeg-turbo, OpenJPEG and CharLS for the DICOMImaging target.
//
// Each call takes a whole code stream and a destination the caller sized from the DICOM attributes, so no memory
// crosses the boundary except encoder output (freed with nuage_free). Errors become a status and a message:
// libjpeg's longjmp, OpenJPEG's callbacks and CharLS's error codes never reach Swift.
#ifndef NUAGE_CODECS_H
#define NUAGE_CODECS_H

#include <stddef.h>
#include <stdint.h>

enum {
    NUAGE_OK = 0,
    NUAGE_CORRUPT = -1,          // the code stream is corrupt, truncated or unsupported (see the message)
    NUAGE_TOO_SMALL = -2,        // the image is larger than the destination
    NUAGE_OUT_OF_MEMORY = -3,
};

enum { NUAGE_MESSAGE_CAPACITY = 256 };

// What a decoder found in the code stream.
typedef struct {
    int32_t width;
    int32_t height;
    int32_t components;
    int32_t precision;        // bits per sample
    int32_t is_signed;        // JPEG 2000 only
    int32_t is_planar;        // JPEG-LS with interleave mode "none": components one after the other
    int32_t near_lossless;    // JPEG-LS: the NEAR parameter (0 = lossless)
    int32_t color_transformed;// JPEG 2000: the code stream used a multiple component transform
} nuage_image_info;

// Colour hint for 3-component JPEG without an Adobe or JFIF marker: what DICOM's photometric interpretation says.
enum { NUAGE_JPEG_COLOR_AUTO = 0, NUAGE_JPEG_COLOR_RGB = 1, NUAGE_JPEG_COLOR_YCBCR = 2 };

// JPEG (ITU T.81) baseline and 8-bit extended: 8-bit samples, interleaved; 3-component images come out as RGB.
int nuage_jpeg_decode(const uint8_t *source, size_t source_length, int color_hint, uint8_t *destination,
                      size_t destination_capacity, nuage_image_info *info, char *message);

// JPEG baseline encoding of 8-bit interleaved grey (1) or RGB (3) samples at quality 1–100. *output is malloc'ed.
int nuage_jpeg_encode(const uint8_t *pixels, int32_t width, int32_t height, int32_t components, int32_t quality,
                      uint8_t **output, size_t *output_length, char *message);

// JPEG 2000 (J2K code stream or JP2 file) and HTJ2K: interleaved samples of bytes_per_sample (1, 2 or 4) bytes,
// little-endian, two's complement when signed.
int nuage_j2k_decode(const uint8_t *source, size_t source_length, int32_t bytes_per_sample, uint8_t *destination,
                     size_t destination_capacity, nuage_image_info *info, char *message);

// Lossless JPEG 2000 (reversible 5/3 wavelet, one quality layer) of interleaved samples; a 3-component image uses
// the reversible colour transform when use_colour_transform is set. *output is malloc'ed.
int nuage_j2k_encode_lossless(const uint8_t *pixels, int32_t width, int32_t height, int32_t components,
                              int32_t bytes_per_sample, int32_t precision, int32_t is_signed,
                              int32_t use_colour_transform, uint8_t **output, size_t *output_length, char *message);

// JPEG-LS (ISO 14495-1), lossless and near-lossless: samples of 1 or 2 bytes, little-endian.
int nuage_jls_decode(const uint8_t *source, size_t source_length, uint8_t *destination, size_t destination_capacity,
                     nuage_image_info *info, char *message);

// Lossless JPEG-LS of interleaved unsigned samples (1 or 2 bytes each). *output is malloc'ed.
int nuage_jls_encode_lossless(const uint8_t *pixels, int32_t width, int32_t height, int32_t components,
                              int32_t bytes_per_sample, int32_t precision, uint8_t **output, size_t *output_length,
                              char *message);

void nuage_free(void *pointer);

#endif
