package dev.appliance.inference.cache;

import net.spy.memcached.CachedData;
import net.spy.memcached.transcoders.Transcoder;

/** Stores values as the bytes given, without Java serialisation or compression. */
final class RawBytes implements Transcoder<byte[]> {

    private final int maxSize;

    RawBytes(int maxSize) {
        this.maxSize = maxSize;
    }

    @Override
    public boolean asyncDecode(CachedData data) {
        return false;
    }

    @Override
    public CachedData encode(byte[] value) {
        return new CachedData(0, value, maxSize);
    }

    @Override
    public byte[] decode(CachedData data) {
        return data.getData();
    }

    @Override
    public int getMaxSize() {
        return maxSize;
    }
}
