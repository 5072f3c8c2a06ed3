# db_bench readhot: a contiguous hot range, some uniform gets and short scans
seed 12
keys 25000
value_size 100
cache_kib 512
warmup 1500
ops 6000
hot_keys 3000
hot_spread 0
p_hot 0.8
p_scan 0.01
scan_length 300
