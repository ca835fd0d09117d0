import type { CourseContent } from './model.js';

/**
 * Generated course content, least-recently-used first out, so serving a 500-course account never
 * holds every course in memory. Mutated courses are pinned: their content is no longer derivable
 * from the seed, so it must stay.
 */
export class ContentCache {
  private readonly lru = new Map<number, CourseContent>();
  private readonly pinned = new Map<number, CourseContent>();

  constructor(private readonly capacity: number) {}

  get(courseId: number, build: () => CourseContent): CourseContent {
    const pinned = this.pinned.get(courseId);
    if (pinned) return pinned;
    const cached = this.lru.get(courseId);
    if (cached) {
      this.lru.delete(courseId);
      this.lru.set(courseId, cached);
      return cached;
    }
    const built = build();
    this.lru.set(courseId, built);
    while (this.lru.size > this.capacity) {
      const oldest = this.lru.keys().next().value;
      if (oldest === undefined) break;
      this.lru.delete(oldest);
    }
    return built;
  }

  /** Content if already in memory, without generating or reordering. */
  peek(courseId: number): CourseContent | undefined {
    return this.pinned.get(courseId) ?? this.lru.get(courseId);
  }

  pin(courseId: number, build: () => CourseContent): CourseContent {
    const content = this.get(courseId, build);
    this.lru.delete(courseId);
    this.pinned.set(courseId, content);
    return content;
  }

  sizes(): { cachedCourses: number; pinnedCourses: number } {
    return { cachedCourses: this.lru.size, pinnedCourses: this.pinned.size };
  }
}
