# a spread hot set of gets interleaved with long scans
seed 11
keys 25000
value_size 100
cache_kib 1024
warmup 1500
ops 6000
hot_keys 200
hot_spread 1
p_hot 0.7
p_scan 0.02
scan_length 1000
