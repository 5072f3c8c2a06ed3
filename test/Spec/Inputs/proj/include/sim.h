// The tiny simulator's interface.
int simulate(int Steps);
