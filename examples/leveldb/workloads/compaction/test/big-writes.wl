# held out: a larger memtable and table files, half updates
seed 43
keys 150000
value_size 80
write_buffer_kib 1024
file_kib 2048
cache_kib 2048
batch 200
ops 30000
p_put 0.4
