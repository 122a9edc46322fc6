// The storyboard's vocabulary, shared by the board, the drawer and the projects page: shot sizes,
// camera moves, aspect ratios (as the API spells them) and how durations read.
import { shortened } from "./ui.js";

export const SHOT_SIZES = [
  ["extreme_wide", "Extreme wide"], ["wide", "Wide"], ["full", "Full"], ["medium", "Medium"],
  ["medium_close_up", "Medium close-up"], ["close_up", "Close-up"], ["extreme_close_up", "Extreme close-up"],
  ["insert", "Insert"], ["over_the_shoulder", "Over the shoulder"], ["pov", "POV"], ["two_shot", "Two shot"],
];
export const CAMERA_MOVEMENTS = [
  ["static", "Static"], ["pan", "Pan"], ["tilt", "Tilt"], ["dolly", "Dolly"], ["truck", "Truck"],
  ["pedestal", "Pedestal"], ["crane", "Crane"], ["handheld", "Handheld"], ["steadicam", "Steadicam"],
  ["zoom", "Zoom"], ["tracking", "Tracking"], ["drone", "Drone"],
];
export const ASPECT_RATIOS = [
  ["16:9", "16:9", "Widescreen"], ["9:16", "9:16", "Vertical"], ["1:1", "1:1", "Square"],
  ["4:5", "4:5", "Portrait"], ["4:3", "4:3", "Classic"], ["2.39:1", "2.39", "Scope"],
];

const SHOT_LABELS = new Map(SHOT_SIZES);
const CAMERA_LABELS = new Map(CAMERA_MOVEMENTS);

export const shotLabel = (value) => SHOT_LABELS.get(value) || "";
export const cameraLabel = (value) => CAMERA_LABELS.get(value) || "";

/** 4.5 → "4.5s", 72 → "1:12", 3723 → "1:02:03": a badge's length. */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined) return "";
  if (seconds < 60) return `${Number(seconds.toFixed(1))}s`;
  return formatRuntime(seconds);
}

/** A film's length as a clock: 0:00, 1:12, 0:28.5, 1:02:03 (tenths only when there are some). */
export function formatRuntime(seconds) {
  const tenths = Math.round((seconds || 0) * 10);
  const whole = Math.floor(tenths / 10);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = String(whole % 60).padStart(2, "0") + (tenths % 10 ? `.${tenths % 10}` : "");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
}

/** "90", "1:30", "1:02:03" or "" (none) → seconds; NaN when it is none of those. */
export function parseRuntime(text) {
  const value = text.trim();
  if (!value) return null;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
  const match = value.match(/^(?:(\d+):)?(\d{1,2}):(\d{2})$/);
  if (!match) return Number.NaN;
  return Number(match[1] || 0) * 3600 + Number(match[2]) * 60 + Number(match[3]);
}

/** The first lines of a script, for a frame. */
export function scriptPreview(script, limit = 160) {
  return shortened((script || "").replace(/\s+/g, " ").trim(), limit);
}
