# a small database loaded in random order, then mostly overwritten
seed 31
keys 30000
value_size 100
write_buffer_kib 128
cache_kib 512
batch 50
ops 20000
p_put 0.7
