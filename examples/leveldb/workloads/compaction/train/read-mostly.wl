# a larger database, then mostly uniform gets
seed 32
keys 60000
value_size 200
write_buffer_kib 256
cache_kib 1024
batch 100
ops 30000
p_put 0.1
