// OpenJPEG over memory streams; its error callback records the message for the caller.
#include "nuage_codecs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openjpeg.h>

typedef struct {
    const uint8_t *data;
    size_t length;
    size_t position;
} memory_source;

typedef struct {
    uint8_t *data;
    size_t length;
    size_t capacity;
    size_t position;
    int failed;
} memory_sink;

static OPJ_SIZE_T source_read(void *buffer, OPJ_SIZE_T count, void *user) {
    memory_source *source = user;
    size_t available = source->length - source->position;
    if (available == 0) return (OPJ_SIZE_T)-1;
    if (count > available) count = available;
    memcpy(buffer, source->data + source->position, count);
    source->position += count;
    return count;
}

static OPJ_OFF_T source_skip(OPJ_OFF_T count, void *user) {
    memory_source *source = user;
    if (count < 0) {
        if ((size_t)(-count) > source->position) count = -(OPJ_OFF_T)source->position;
    } else if ((size_t)count > source->length - source->position) {
        count = (OPJ_OFF_T)(source->length - source->position);
    }
    source->position = (size_t)((OPJ_OFF_T)source->position + count);
    return count;
}

static OPJ_BOOL source_seek(OPJ_OFF_T offset, void *user) {
    memory_source *source = user;
    if (offset < 0 || (size_t)offset > source->length) return OPJ_FALSE;
    source->position = (size_t)offset;
    return OPJ_TRUE;
}

static OPJ_SIZE_T sink_write(void *buffer, OPJ_SIZE_T count, void *user) {
    memory_sink *sink = user;
    size_t end = sink->position + count;
    if (end > sink->capacity) {
        size_t capacity = sink->capacity ? sink->capacity * 2 : 65536;
        while (capacity < end) capacity *= 2;
        uint8_t *grown = realloc(sink->data, capacity);
        if (!grown) {
            sink->failed = 1;
            return (OPJ_SIZE_T)-1;
        }
        sink->data = grown;
        sink->capacity = capacity;
    }
    memcpy(sink->data + sink->position, buffer, count);
    sink->position = end;
    if (end > sink->length) sink->length = end;
    return count;
}

static OPJ_OFF_T sink_skip(OPJ_OFF_T count, void *user) {
    memory_sink *sink = user;
    if (count < 0 && (size_t)(-count) > sink->position) return -1;
    sink->position = (size_t)((OPJ_OFF_T)sink->position + count);
    return count;
}

static OPJ_BOOL sink_seek(OPJ_OFF_T offset, void *user) {
    memory_sink *sink = user;
    if (offset < 0) return OPJ_FALSE;
    sink->position = (size_t)offset;
    return OPJ_TRUE;
}

static void record_error(const char *text, void *user) {
    char *message = user;
    if (message && message[0] == 0) {
        snprintf(message, NUAGE_MESSAGE_CAPACITY, "OpenJPEG: %s", text);
        size_t length = strlen(message);
        if (length > 0 && message[length - 1] == '\n') message[length - 1] = 0;
    }
}

static void ignore(const char *text, void *user) {
    (void)text;
    (void)user;
}

static int fail(char *message, const char *fallback) {
    if (message[0] == 0) snprintf(message, NUAGE_MESSAGE_CAPACITY, "OpenJPEG: %s", fallback);
    return NUAGE_CORRUPT;
}

static void install_handlers(opj_codec_t *codec, char *message) {
    opj_set_error_handler(codec, record_error, message);
    opj_set_warning_handler(codec, ignore, NULL);
    opj_set_info_handler(codec, ignore, NULL);
}

int nuage_j2k_decode(const uint8_t *source, size_t source_length, int32_t bytes_per_sample, uint8_t *destination,
                     size_t destination_capacity, nuage_image_info *info, char *message) {
    memset(info, 0, sizeof *info);
    message[0] = 0;
    if (source_length < 12) return fail(message, "code stream shorter than its header");
    static const uint8_t jp2_signature[12] = {0, 0, 0, 12, 'j', 'P', ' ', ' ', 13, 10, 0x87, 10};
    OPJ_CODEC_FORMAT format = memcmp(source, jp2_signature, 12) == 0 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K;

    memory_source input = {source, source_length, 0};
    opj_stream_t *stream = opj_stream_create(65536, OPJ_TRUE);
    if (!stream) return NUAGE_OUT_OF_MEMORY;
    opj_stream_set_user_data(stream, &input, NULL);
    opj_stream_set_user_data_length(stream, source_length);
    opj_stream_set_read_function(stream, source_read);
    opj_stream_set_skip_function(stream, source_skip);
    opj_stream_set_seek_function(stream, source_seek);

    opj_codec_t *codec = opj_create_decompress(format);
    opj_image_t *image = NULL;
    int status = NUAGE_OK;
    opj_dparameters_t parameters;
    opj_set_default_decoder_parameters(&parameters);
    install_handlers(codec, message);
    if (!opj_setup_decoder(codec, &parameters) || !opj_read_header(stream, codec, &image)) {
        status = fail(message, "cannot read the code stream header");
        goto done;
    }
    opj_codestream_info_v2_t *layout = opj_get_cstr_info(codec);
    if (layout) {
        info->color_transformed = layout->m_default_tile_info.mct != 0;
        opj_destroy_cstr_info(&layout);
    }
    if (!opj_decode(codec, stream, image) || !opj_end_decompress(codec, stream)) {
        status = fail(message, "cannot decode the code stream");
        goto done;
    }
    if (image->numcomps == 0 || image->numcomps > 4) {
        status = fail(message, "unsupported number of components");
        goto done;
    }
    OPJ_UINT32 width = image->comps[0].w;
    OPJ_UINT32 height = image->comps[0].h;
    for (OPJ_UINT32 index = 0; index < image->numcomps; index++) {
        opj_image_comp_t *component = &image->comps[index];
        if (component->w != width || component->h != height || component->data == NULL) {
            status = fail(message, "subsampled or missing components are not supported");
            goto done;
        }
    }
    info->width = (int32_t)width;
    info->height = (int32_t)height;
    info->components = (int32_t)image->numcomps;
    info->precision = (int32_t)image->comps[0].prec;
    info->is_signed = (int32_t)image->comps[0].sgnd;
    size_t pixels = (size_t)width * height;
    size_t components = image->numcomps;
    if (pixels * components * (size_t)bytes_per_sample > destination_capacity) {
        status = NUAGE_TOO_SMALL;
        goto done;
    }
    for (size_t component = 0; component < components; component++) {
        const OPJ_INT32 *samples = image->comps[component].data;
        uint8_t *target = destination + component * (size_t)bytes_per_sample;
        size_t step = components * (size_t)bytes_per_sample;
        for (size_t pixel = 0; pixel < pixels; pixel++, target += step) {
            uint32_t value = (uint32_t)samples[pixel];
            for (int32_t byte = 0; byte < bytes_per_sample; byte++) target[byte] = (uint8_t)(value >> (8 * byte));
        }
    }
done:
    if (image) opj_image_destroy(image);
    opj_destroy_codec(codec);
    opj_stream_destroy(stream);
    return status;
}

int nuage_j2k_encode_lossless(const uint8_t *pixels, int32_t width, int32_t height, int32_t components,
                              int32_t bytes_per_sample, int32_t precision, int32_t is_signed,
                              int32_t use_colour_transform, uint8_t **output, size_t *output_length, char *message) {
    *output = NULL;
    *output_length = 0;
    message[0] = 0;
    if (components < 1 || components > 4) return fail(message, "unsupported number of components");
    opj_image_cmptparm_t parameters[4];
    memset(parameters, 0, sizeof parameters);
    for (int32_t index = 0; index < components; index++) {
        parameters[index].dx = 1;
        parameters[index].dy = 1;
        parameters[index].w = (OPJ_UINT32)width;
        parameters[index].h = (OPJ_UINT32)height;
        parameters[index].prec = (OPJ_UINT32)precision;
        parameters[index].sgnd = (OPJ_UINT32)is_signed;
    }
    OPJ_COLOR_SPACE space = components == 3 ? OPJ_CLRSPC_SRGB : OPJ_CLRSPC_GRAY;
    opj_image_t *image = opj_image_create((OPJ_UINT32)components, parameters, space);
    if (!image) return NUAGE_OUT_OF_MEMORY;
    image->x1 = (OPJ_UINT32)width;
    image->y1 = (OPJ_UINT32)height;
    size_t count = (size_t)width * (size_t)height;
    uint32_t mask = precision >= 32 ? 0xFFFFFFFFu : ((1u << precision) - 1u);
    for (int32_t component = 0; component < components; component++) {
        OPJ_INT32 *samples = image->comps[component].data;
        const uint8_t *source = pixels + (size_t)component * (size_t)bytes_per_sample;
        size_t step = (size_t)components * (size_t)bytes_per_sample;
        for (size_t pixel = 0; pixel < count; pixel++, source += step) {
            uint32_t value = 0;
            for (int32_t byte = 0; byte < bytes_per_sample; byte++) value |= (uint32_t)source[byte] << (8 * byte);
            value &= mask;
            if (is_signed && precision < 32 && (value >> (precision - 1)) & 1u) value |= ~mask;
            samples[pixel] = (OPJ_INT32)value;
        }
    }

    opj_cparameters_t encoding;
    opj_set_default_encoder_parameters(&encoding);
    encoding.tcp_numlayers = 1;
    encoding.tcp_rates[0] = 0;
    encoding.cp_disto_alloc = 1;
    encoding.irreversible = 0;
    encoding.tcp_mct = (char)(components == 3 && use_colour_transform ? 1 : 0);
    int resolutions = 6;
    while (resolutions > 1 && ((width >> (resolutions - 1)) < 1 || (height >> (resolutions - 1)) < 1)) resolutions--;
    encoding.numresolution = resolutions;

    memory_sink sink = {0};
    opj_codec_t *codec = opj_create_compress(OPJ_CODEC_J2K);
    opj_stream_t *stream = opj_stream_create(65536, OPJ_FALSE);
    int status = NUAGE_OK;
    if (!codec || !stream) {
        status = NUAGE_OUT_OF_MEMORY;
        goto done;
    }
    install_handlers(codec, message);
    opj_stream_set_user_data(stream, &sink, NULL);
    opj_stream_set_write_function(stream, sink_write);
    opj_stream_set_skip_function(stream, sink_skip);
    opj_stream_set_seek_function(stream, sink_seek);
    if (!opj_setup_encoder(codec, &encoding, image) || !opj_start_compress(codec, image, stream) ||
        !opj_encode(codec, stream) || !opj_end_compress(codec, stream) || sink.failed) {
        status = fail(message, "cannot encode the image");
        free(sink.data);
        goto done;
    }
    *output = sink.data;
    *output_length = sink.length;
done:
    if (stream) opj_stream_destroy(stream);
    if (codec) opj_destroy_codec(codec);
    opj_image_destroy(image);
    return status;
}
