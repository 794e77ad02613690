// The target's code is the inline function in include/allocator_tuning.h; SwiftPM wants a source file.
#include "allocator_tuning.h"
