#ifndef NUAGE_CZLIB_SHIM_H
#define NUAGE_CZLIB_SHIM_H
#include <zlib.h>
#endif
