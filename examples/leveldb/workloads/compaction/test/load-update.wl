# held out: another size, value size and update share
seed 41
keys 40000
value_size 150
write_buffer_kib 192
cache_kib 768
batch 40
ops 25000
p_put 0.6
