#include <curl/curl.h>

/* curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call: one typed wrapper per
 * argument type (CURLOPT_* of type long, string, pointer, slist, callback). */
typedef size_t (*bpfgate_curl_data_cb)(char *data, size_t size, size_t count, void *context);

static inline CURLcode bpfgate_curl_set_long(CURL *curl, CURLoption option, long value) {
    return curl_easy_setopt(curl, option, value);
}
static inline CURLcode bpfgate_curl_set_string(CURL *curl, CURLoption option, const char *value) {
    return curl_easy_setopt(curl, option, value);
}
static inline CURLcode bpfgate_curl_set_pointer(CURL *curl, CURLoption option, void *value) {
    return curl_easy_setopt(curl, option, value);
}
static inline CURLcode bpfgate_curl_set_slist(CURL *curl, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(curl, option, value);
}
static inline CURLcode bpfgate_curl_set_callback(CURL *curl, CURLoption option, bpfgate_curl_data_cb value) {
    return curl_easy_setopt(curl, option, value);
}
static inline CURLcode bpfgate_curl_set_size(CURL *curl, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(curl, option, value);
}
static inline CURLcode bpfgate_curl_get_long(CURL *curl, CURLINFO info, long *value) {
    return curl_easy_getinfo(curl, info, value);
}
