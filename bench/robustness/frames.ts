/**
 * Stills from the shared sample videos, through ffmpeg when it is installed (the bench runs
 * without it, on fewer photographs). Frames come out as PNG, lossless, as decoded.
 */
import { execFile, execFileSync } from 'node:child_process';

export function hasFfmpeg(): boolean {
  try {
    execFileSync('ffmpeg', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The frame shown at `seconds` into `video`, as PNG bytes. */
export function frameAt(video: string, seconds: number): Promise<Buffer> {
  const args = [
    '-v',
    'error',
    '-ss',
    String(seconds),
    '-i',
    video,
    '-frames:v',
    '1',
    '-f',
    'image2pipe',
    '-c:v',
    'png',
    '-',
  ];
  return new Promise((resolve, reject) => {
    execFile(
      'ffmpeg',
      args,
      { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024, timeout: 30_000 },
      (err, stdout, stderr) => {
        if (err)
          reject(
            new Error(`ffmpeg could not extract ${seconds}s of ${video}: ${stderr.toString().trim() || err.message}`),
          );
        else if (stdout.length === 0) reject(new Error(`ffmpeg found no frame at ${seconds}s of ${video}`));
        else resolve(stdout);
      },
    );
  });
}
