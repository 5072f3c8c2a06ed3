#include "sched.h"
int evaluate() { return 0; }
