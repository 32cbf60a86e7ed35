extension JSONObject {
    /// The fields a daemon's own records (`stats` of `watch` and `collect`, `reload`) open with, in this
    /// order: the latest packet (or record) time, null before any, the record's type, the sensor, and the
    /// wall clock at which it was written.
    public static func daemonRecord(_ type: String, timestamp: Int64?, sensor: String, wallMicros: Int64) -> JSONObject
    {
        var o = JSONObject()
        o.add("timestamp", timestamp.map(Timestamp.rfc3339))
        o.add("event_type", type)
        o.add("sensor", sensor)
        o.add("wall_time", Timestamp.rfc3339(wallMicros))
        return o
    }
}
