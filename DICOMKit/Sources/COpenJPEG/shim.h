#ifndef NUAGE_COPENJPEG_SHIM_H
#define NUAGE_COPENJPEG_SHIM_H
#include <openjpeg.h>
#endif
