/** @type {import('next').NextConfig} */
const nextConfig = {
  // Pages only: every lab endpoint lives in server/ (see docs/ARCHITECTURE.md).
  poweredByHeader: false,
  // Separate build folders let several builds (e.g. a benchmark and the tests) run side by side.
  distDir: process.env.NEXT_DIST_DIR ?? '.next',
  reactStrictMode: true,
  // Lesson files are read at build time from lessons/<slug>/lesson.mdx.
  outputFileTracingIncludes: { '/lessons/[slug]': ['./lessons/**/*.mdx'] },
};

export default nextConfig;
