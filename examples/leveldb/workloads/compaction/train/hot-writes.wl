# updates and gets that mostly hit a hot fifth of the keys
seed 33
keys 100000
value_size 100
write_buffer_kib 512
cache_kib 1024
batch 100
ops 30000
p_put 0.5
hot_keys 20000
p_hot 0.8
