/* The C runtime as an extension module built when the package is installed (setup.py), so that a
 * new machine does not spend ~0.7 s of gcc on it before its first compiled function. runtime.py
 * uses it only when TH_SOURCE_SHA256 (defined by setup.py) matches th_kernel.h and runtime.c as
 * they are now; otherwise it compiles them through the compile cache as usual. */
#define TH_MODULE_NAME_STR "theano.link.c._runtime"
#define TH_MODULE_INIT PyInit__runtime
#include "th_kernel.h"
#include "runtime.c"
