/** The FedGrid release this node runs (reported in node info and the OpenAPI document). */
export const FEDGRID_VERSION = '0.1.0';
