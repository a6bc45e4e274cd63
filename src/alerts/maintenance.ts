// placeholder until the maintenance branch lands (its interface)
export interface MaintenanceSchedule {
  windowAt(service: { key: string; url: string }, at: number): string | null;
  anyActive(at: number): boolean;
}
