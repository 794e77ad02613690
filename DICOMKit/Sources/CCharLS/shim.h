#ifndef NUAGE_CCHARLS_SHIM_H
#define NUAGE_CCHARLS_SHIM_H
#include <charls/charls.h>
#endif
