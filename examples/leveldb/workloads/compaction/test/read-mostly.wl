# held out: a larger database read mostly through a hot set
seed 42
keys 80000
value_size 120
write_buffer_kib 384
cache_kib 1536
batch 80
ops 40000
p_put 0.2
hot_keys 8000
p_hot 0.5
