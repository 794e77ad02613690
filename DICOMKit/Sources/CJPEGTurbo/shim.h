#ifndef NUAGE_CJPEGTURBO_SHIM_H
#define NUAGE_CJPEGTURBO_SHIM_H
#include <stdio.h>
#include <jpeglib.h>
#endif
