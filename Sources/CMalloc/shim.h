// glibc's malloc tuning (mallopt): Linux only.
#if defined(__linux__)
#include <malloc.h>
#endif
