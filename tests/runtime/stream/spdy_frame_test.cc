// SPDY/3.1 frames: what the writer encodes the reader decodes, across one connection's
// header compression context; bytes as the Go framer lays them out; broken input is an error.
#include "runtime/stream/spdy_frame.h"

#include <gtest/gtest.h>
#include <zlib.h>

namespace deshim::runtime::spdy {
namespace {

frame decode_one(frame_reader& reader, const std::string& bytes) {
  reader.feed(bytes);
  auto next = reader.next();
  EXPECT_TRUE(next) << (next ? "" : next.error().message());
  EXPECT_TRUE(next && next->has_value());
  return next && next->has_value() ? std::move(**next) : frame{};
}

TEST(spdy_frame, the_dictionary_is_spdy3s) {
  const std::string& dictionary = header_dictionary();
  EXPECT_EQ(dictionary.size(), 1423u);
  // The dictionary id a zlib stream names in its header: the Adler-32 of the dictionary.
  EXPECT_EQ(adler32(1, reinterpret_cast<const Bytef*>(dictionary.data()), dictionary.size()),
            0xe3c6a7c2u);
}

TEST(spdy_frame, syn_streams_round_trip_through_one_compression_context) {
  frame_writer writer;
  frame_reader reader;
  for (uint32_t id = 1; id < 12; id += 2) {
    frame f;
    f.type = frame_type::syn_stream;
    f.stream_id = id;
    f.priority = 3;
    f.headers = {{"streamtype", id == 1 ? "error" : "stdout"},
                 {"port", "80"},
                 {"requestid", std::to_string(id)}};
    auto bytes = writer.encode(f);
    ASSERT_TRUE(bytes);
    // Control bit and version 3, type 1.
    EXPECT_EQ(static_cast<unsigned char>((*bytes)[0]), 0x80);
    EXPECT_EQ((*bytes)[1], 3);
    EXPECT_EQ((*bytes)[3], 1);
    frame back = decode_one(reader, *bytes);
    EXPECT_EQ(back.type, frame_type::syn_stream);
    EXPECT_EQ(back.stream_id, id);
    EXPECT_EQ(back.priority, 3);
    EXPECT_EQ(find_header(back.headers, "streamtype"), id == 1 ? "error" : "stdout");
    EXPECT_EQ(find_header(back.headers, "requestid"), std::to_string(id));
    EXPECT_EQ(find_header(back.headers, "missing"), std::nullopt);
  }
}

TEST(spdy_frame, data_frames_carry_payload_and_fin) {
  frame_writer writer;
  frame f;
  f.type = frame_type::data;
  f.stream_id = 5;
  f.flags = flag_fin;
  f.data = std::string("hello\0world", 11);
  auto bytes = writer.encode(f);
  ASSERT_TRUE(bytes);
  // Stream id, then flags and the 24-bit length, then the payload.
  EXPECT_EQ(bytes->substr(0, 8), std::string("\0\0\0\x05\x01\0\0\x0b", 8));
  frame_reader reader;
  frame back = decode_one(reader, *bytes);
  EXPECT_EQ(back.type, frame_type::data);
  EXPECT_EQ(back.stream_id, 5u);
  EXPECT_TRUE(back.fin());
  EXPECT_EQ(back.data, f.data);
}

TEST(spdy_frame, frames_fed_a_byte_at_a_time_come_out_whole) {
  frame_writer writer;
  std::string wire;
  frame ping;
  ping.type = frame_type::ping;
  ping.value = 7;
  wire += *writer.encode(ping);
  frame reply;
  reply.type = frame_type::syn_reply;
  reply.stream_id = 1;
  wire += *writer.encode(reply);
  frame reset;
  reset.type = frame_type::rst_stream;
  reset.stream_id = 3;
  reset.status = rst_cancel;
  wire += *writer.encode(reset);
  frame away;
  away.type = frame_type::goaway;
  away.value = 9;
  wire += *writer.encode(away);
  frame window;
  window.type = frame_type::window_update;
  window.stream_id = 1;
  window.value = 65536;
  wire += *writer.encode(window);
  frame settings;
  settings.type = frame_type::settings;
  settings.settings = {{4, 100}, {7, 65536}};
  wire += *writer.encode(settings);

  frame_reader reader;
  std::vector<frame> got;
  for (char c : wire) {
    reader.feed(std::string_view(&c, 1));
    auto next = reader.next();
    ASSERT_TRUE(next);
    if (next->has_value()) got.push_back(std::move(**next));
  }
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(got[0].type, frame_type::ping);
  EXPECT_EQ(got[0].value, 7u);
  EXPECT_EQ(got[1].type, frame_type::syn_reply);
  EXPECT_TRUE(got[1].headers.empty());
  EXPECT_EQ(got[2].type, frame_type::rst_stream);
  EXPECT_EQ(got[2].status, rst_cancel);
  EXPECT_EQ(got[3].type, frame_type::goaway);
  EXPECT_EQ(got[3].value, 9u);
  EXPECT_EQ(got[4].type, frame_type::window_update);
  EXPECT_EQ(got[4].value, 65536u);
  EXPECT_EQ(got[5].type, frame_type::settings);
  EXPECT_EQ(got[5].settings, (std::vector<std::pair<uint32_t, uint32_t>>{{4, 100}, {7, 65536}}));
}

TEST(spdy_frame, several_values_of_a_name_stay_joined_with_nul) {
  frame_writer writer;
  frame_reader reader;
  frame f;
  f.type = frame_type::headers;
  f.stream_id = 1;
  f.headers = {{"x-values", std::string("a\0b", 3)}};
  frame back = decode_one(reader, *writer.encode(f));
  ASSERT_EQ(back.headers.size(), 1u);
  EXPECT_EQ(back.headers[0].second, std::string("a\0b", 3));
  EXPECT_EQ(find_header(back.headers, "x-values"), "a");
}

TEST(spdy_frame, another_version_is_an_error) {
  frame_reader reader;
  reader.feed(std::string("\x80\x02\x00\x06\x00\x00\x00\x04\x00\x00\x00\x01", 12));
  auto next = reader.next();
  ASSERT_FALSE(next);
  EXPECT_NE(next.error().message().find("version 2"), std::string::npos);
}

TEST(spdy_frame, an_oversized_control_frame_is_refused_before_it_is_read) {
  frame_reader reader;
  reader.feed(std::string("\x80\x03\x00\x01\x00\xff\xff\xff", 8));
  auto next = reader.next();
  ASSERT_FALSE(next);
  EXPECT_NE(next.error().message().find("control frame"), std::string::npos);
}

TEST(spdy_frame, a_header_block_that_is_not_zlib_is_an_error) {
  frame_reader reader;
  std::string body("\0\0\0\x01\0\0\0\0\0\0garbage!", 18);
  std::string wire("\x80\x03\x00\x01\x00\x00\x00", 7);
  wire.push_back(static_cast<char>(body.size()));
  reader.feed(wire + body);
  auto next = reader.next();
  ASSERT_FALSE(next);
  EXPECT_NE(next.error().message().find("decompress"), std::string::npos);
}

TEST(spdy_frame, a_header_count_beyond_the_block_is_an_error) {
  // A block that says 1000 headers and holds none.
  frame_writer writer;
  frame f;
  f.type = frame_type::syn_reply;
  f.stream_id = 1;
  auto bytes = *writer.encode(f);
  // Compress a lying block with a fresh context of our own.
  z_stream z{};
  deflateInit(&z, Z_BEST_COMPRESSION);
  const auto& dictionary = header_dictionary();
  deflateSetDictionary(&z, reinterpret_cast<const Bytef*>(dictionary.data()),
                       static_cast<uInt>(dictionary.size()));
  std::string plain("\0\0\x03\xe8", 4);
  z.next_in = reinterpret_cast<Bytef*>(plain.data());
  z.avail_in = 4;
  char out[256];
  z.next_out = reinterpret_cast<Bytef*>(out);
  z.avail_out = sizeof(out);
  deflate(&z, Z_SYNC_FLUSH);
  std::string block(out, sizeof(out) - z.avail_out);
  deflateEnd(&z);
  std::string body = std::string("\0\0\0\x01", 4) + block;
  std::string wire("\x80\x03\x00\x02\x00\x00\x00", 7);
  wire.push_back(static_cast<char>(body.size()));
  frame_reader reader;
  reader.feed(wire + body);
  auto next = reader.next();
  ASSERT_FALSE(next);
  EXPECT_NE(next.error().message().find("ends inside a header"), std::string::npos);
}

TEST(spdy_frame, unknown_control_frames_are_skipped) {
  frame_writer writer;
  frame ping;
  ping.type = frame_type::ping;
  ping.value = 1;
  frame_reader reader;
  reader.feed(std::string("\x80\x03\x00\x0f\x00\x00\x00\x02xy", 10) + *writer.encode(ping));
  auto next = reader.next();
  ASSERT_TRUE(next);
  ASSERT_TRUE(next->has_value());
  EXPECT_EQ((*next)->type, frame_type::ping);
}

}  // namespace
}  // namespace deshim::runtime::spdy
