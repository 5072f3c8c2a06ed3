// Debug helpers of the simulator; not for policies.
#ifndef CACHE_DEBUG_H
#define CACHE_DEBUG_H
inline void dumpCache() {}
#endif
