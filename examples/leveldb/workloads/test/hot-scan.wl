# held out: a larger database, another hot set and scan mix
seed 21
keys 32000
value_size 120
cache_kib 1536
warmup 1500
ops 6000
hot_keys 300
hot_spread 1
p_hot 0.6
p_scan 0.03
scan_length 800
