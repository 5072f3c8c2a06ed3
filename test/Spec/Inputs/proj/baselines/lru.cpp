int choose(int Queue) { return Queue; }
