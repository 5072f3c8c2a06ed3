// Only the simulator's entry in the compilation database puts sim/inc on
// the include path.
#define BONUS 100
