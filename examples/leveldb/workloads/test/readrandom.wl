# held out: readrandom with a hot set and rare long scans
seed 23
keys 32000
value_size 100
cache_kib 1024
warmup 1500
ops 6000
hot_keys 250
hot_spread 1
p_hot 0.4
p_scan 0.005
scan_length 2000
