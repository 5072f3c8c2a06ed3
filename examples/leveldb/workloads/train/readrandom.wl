# db_bench readrandom with a mild hot set
seed 13
keys 25000
value_size 100
cache_kib 1024
warmup 1500
ops 6000
hot_keys 400
hot_spread 1
p_hot 0.3
p_scan 0
scan_length 1
