# held out: readhot on another range and cache size
seed 22
keys 32000
value_size 80
cache_kib 768
warmup 1500
ops 6000
hot_keys 4000
hot_spread 0
p_hot 0.75
p_scan 0.02
scan_length 200
