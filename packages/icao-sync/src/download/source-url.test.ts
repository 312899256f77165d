import { describe, expect, it } from "vitest";
import { parseHttpUrl, redactSourceUrl } from "./source-url.js";

describe("redactSourceUrl", () => {
  it("masks the password of user:password@ but keeps the user and the place", () => {
    expect(redactSourceUrl("https://reader:hunter2@pkd.example:8443/ml.bin")).toBe(
      "https://reader:***@pkd.example:8443/ml.bin",
    );
  });

  it("masks credential-like query parameters and keeps the others", () => {
    expect(redactSourceUrl("https://pkd.example/ml.bin?api_key=abc&country=DE&X-Amz-Signature=f00")).toBe(
      "https://pkd.example/ml.bin?api_key=***&country=DE&X-Amz-Signature=***",
    );
  });

  it("drops the fragment and leaves a plain URL alone", () => {
    expect(redactSourceUrl("https://pkd.example/ml.bin#frag")).toBe("https://pkd.example/ml.bin");
    expect(redactSourceUrl("https://pkd.example/a%20b.ml?v=1")).toBe("https://pkd.example/a%20b.ml?v=1");
  });

  it("masks secrets in text that is not a URL", () => {
    expect(redactSourceUrl("password=hunter2")).toBe("password=***");
  });
});

describe("parseHttpUrl", () => {
  it("splits decoded credentials off an http(s) URL", () => {
    expect(parseHttpUrl("https://r%40der:p%3Ass@pkd.example/ml.bin#x")).toEqual({
      requestUrl: "https://pkd.example/ml.bin",
      credentials: { username: "r@der", password: "p:ss" },
    });
    expect(parseHttpUrl("http://pkd.example/ml.bin")).toEqual({ requestUrl: "http://pkd.example/ml.bin" });
  });

  it("is undefined for other schemes and for text that is not a URL", () => {
    expect(parseHttpUrl("file:///tmp/ml.bin")).toBeUndefined();
    expect(parseHttpUrl("ml.bin")).toBeUndefined();
  });
});
