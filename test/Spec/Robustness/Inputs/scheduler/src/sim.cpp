#include "sched.h"
int decide(int Slack) { return Slack > 0; }
