int greedy(int Hour) { return 0; }
